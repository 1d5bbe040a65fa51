//! The two signals every service of the daemon shares:
//!
//! - [`Shutdown`]: set once, when the daemon is asked to stop. A service stops taking new
//!   work when it sees it and returns; the daemon aborts what is left after a grace period.
//! - [`Kick`]: "there may be work for you". A stored message kicks the processor; a queued
//!   email kicks the outbox. A kick is never lost: one that arrives while the service is busy
//!   wakes its next wait at once. Services sleep until a kick, their own next deadline, or
//!   shutdown — never a periodic sweep.

use std::sync::Arc;
use tokio::sync::{watch, Notify};

/// Set when the daemon should stop. Cheap to clone; every clone sees the same signal.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

/// The sending side of [`Shutdown`].
#[derive(Debug)]
pub struct ShutdownTrigger(watch::Sender<bool>);

impl ShutdownTrigger {
    pub fn new() -> (ShutdownTrigger, Shutdown) {
        let (tx, rx) = watch::channel(false);
        (ShutdownTrigger(tx), Shutdown(rx))
    }

    pub fn trigger(&self) {
        let _ = self.0.send(true);
    }
}

impl Shutdown {
    pub fn is_set(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once shutdown is asked for (at once if it already was).
    pub async fn wait(&mut self) {
        let _ = self.0.wait_for(|set| *set).await;
    }

    /// A shutdown that never comes (for one-shot runs and tests).
    pub fn never() -> Shutdown {
        let (tx, rx) = watch::channel(false);
        // Keep the sender alive forever, so `wait` pends instead of returning on close.
        std::mem::forget(tx);
        Shutdown(rx)
    }
}

/// A wake-up call for a service. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Kick(Arc<Notify>);

impl Kick {
    pub fn new() -> Kick {
        Kick::default()
    }

    /// Wakes the service now, or at its next wait if it is busy.
    pub fn kick(&self) {
        self.0.notify_one();
    }

    pub async fn wait(&self) {
        self.0.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_kick_while_busy_is_not_lost() {
        let k = Kick::new();
        k.kick(); // nobody waiting yet
        tokio::time::timeout(std::time::Duration::from_secs(5), k.wait())
            .await
            .expect("the stored kick wakes the next wait");
    }

    #[tokio::test]
    async fn shutdown_reaches_every_clone() {
        let (trigger, s) = ShutdownTrigger::new();
        let mut a = s.clone();
        let mut b = s;
        trigger.trigger();
        a.wait().await;
        b.wait().await;
        assert!(a.is_set());
    }
}
