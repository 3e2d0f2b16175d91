"""Numbered SQL migrations, shipped as package data and applied by ``bot.storage.schema``.

This directory is a package only so that setuptools installs the ``*.sql`` files with it.
"""
