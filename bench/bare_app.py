"""The yardstick for bench/ratios.py: a bare Flask app with one JSON route, served by the same
gunicorn settings as groupfinder, so a ratio to it is the app's own cost."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/ping")
def ping():  # type: ignore[no-untyped-def]
    return jsonify(status="ok")
