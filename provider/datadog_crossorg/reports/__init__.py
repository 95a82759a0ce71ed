"""What exists and whether it works, for people: connections seen from several key pairs
(`existing`), the org graph (`graph`), whether each declared connection's data really flows
(`verify`), and a progress bar (`progress`). Used by the CLI and the demo."""
