"""The SQL behind each Store method, one module per group of tables.

Every function takes an open Database and lets sqlite3 errors propagate; the Store
decides what a failure means for the bot.
"""
