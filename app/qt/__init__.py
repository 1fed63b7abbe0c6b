"""Qt-backed services of the workbench that are not widgets: the form model with its undo
stack, the engine host, and the Qt-integrated event loop."""
