"""The e-mail channel: intake as fetch -> store -> parse -> route -> apply, and outgoing mail."""
