"""The ``socket-workbench`` command: the entry point above every layer."""
