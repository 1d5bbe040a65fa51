//! The outbox service (being written): see the real-mail issue.
