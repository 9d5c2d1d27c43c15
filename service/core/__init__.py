"""The pure core: decision/v1 models and validation, document kinds, planning, safe file writes.

Imports no queue, web or database code (tests/unit/test_architecture.py checks it).
"""
