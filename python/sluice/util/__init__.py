"""``pyflink.util``: PyFlink's exception classes."""
