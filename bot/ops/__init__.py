"""Operating the bot: pre-flight checks and token handling for the deployment commands,
and the process-level tuning the engine leaves to whoever runs it: the cycle collector
paused while knowledge is indexed (gc_pause, passed in by the bot and the CLI) and free
heap memory handed back every minute (heap, run beside the bot by runner.serve).

Nothing here connects to Discord; these are the pieces `disputebot check` and
`disputebot invite-url` need on a machine that may not even have network access.
"""
