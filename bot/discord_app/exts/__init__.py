"""Bot features, one extension each, loaded by DisputeBot.setup_hook."""
