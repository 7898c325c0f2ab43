"""For tests and benchmarks only: a loopback stand-in for the Telegram Bot API, and the bot benchmark."""
