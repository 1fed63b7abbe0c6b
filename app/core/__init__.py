"""The headless core: form files, DFM, built-in actions, units, trust, the runner and
convert. It never imports Qt (an import-linter contract checks it), so ``run`` and
``convert`` start without loading Qt."""
