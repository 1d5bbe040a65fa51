//! Text of attachments: PDF, DOCX (zip of XML, tables as tab-separated rows), plain text.
