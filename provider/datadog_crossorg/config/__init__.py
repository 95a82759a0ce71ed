"""Configuration, the first stop of the data: every stack-config key (`keys`), the key pairs
(`credentials`), what a provider process is configured with (`settings`) and the stack program's
declarations (`stack_program`). Nothing here calls Datadog."""
