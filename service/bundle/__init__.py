"""Bundles: where every output file and ZIP entry lives (layout), the manifest, the ZIP writer, verification.

Pure: imports no queue, web or database code.
"""
