"""The baseline: a bare Flask app, served by the same gunicorn settings as Decide.

Its requests per second are the ceiling of this machine, gunicorn and the load generator
together; every Decide page is read against it.
"""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"
