"""What users run above the providers: the stack program under the Mocks bridge, the demo, the
`crossorg` commands and their reports."""
