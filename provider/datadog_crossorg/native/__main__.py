"""Entry point of the plugin: the engine runs `python <plugin folder> <engine address>`.

The same file is `python -m datadog_crossorg.native`, and the archive's `__main__.py` (where the
package sits beside it). SIGINT (the engine stopping the plugin) ends it without a traceback, and
it ends when the engine that started it is gone, before anything heavy is imported.
"""

from datadog_crossorg.process.parent_watch import exit_when_orphaned, quiet_interrupt

quiet_interrupt()
exit_when_orphaned()

from datadog_crossorg.native.provider import main  # noqa: E402

main()
