"""Turning the files of upstream eligibility tools (Code for America's gogen) into decision/v1.

Pure: it reads files and writes decision/v1 JSON Lines and a review report; it imports only the
core and the base layer (tests/unit/test_architecture.py), never the database, queue or web.
"""
