"""The `newsqa` command: ask, rebuild, bot, eval, setup (newsqa/cli.py). Installed with the
package (`pip install .`); scripts/*.py in a checkout run the same commands."""
