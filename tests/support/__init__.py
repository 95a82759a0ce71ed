"""What more than one test folder uses, in one place (a folder's own helpers stay in it):

- `paths`: the repository's folders the tests read (`ROOT`, the recorded Datadog traffic, stacks).
- `probe`: `EmulatorProbe`, the offline Datadog seen from a test (calls made, connections held).
- `world`: `World`, a deployable world through either adapter (dynamic provider or native plugin),
  with `dynamic_world`, `native_world` and the native plugin's provider config.
- `access`: the access tests' seed (two more people), their principals and `access_world`.
- `demo`: `demo.py` run as a user runs it, in a subprocess.
"""
