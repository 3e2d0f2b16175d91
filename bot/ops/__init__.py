"""Operating the bot: pre-flight checks and token handling for the deployment commands,
and process-level tuning (gc pause while indexing, heap trim).

Nothing here connects to Discord; these are the pieces `disputebot check` and
`disputebot invite-url` need on a machine that may not even have network access.
"""
