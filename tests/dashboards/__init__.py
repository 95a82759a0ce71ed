"""Cross-org dashboards and notebooks: builder, validation, export, lint, policy pack, program."""
