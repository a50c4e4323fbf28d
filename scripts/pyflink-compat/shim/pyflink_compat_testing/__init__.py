"""The pyflink-compat harness's ``pyflink.testing``: installed as that name
by pyflink_compat_plugin, ahead of Sluice's embedded pyflink package."""
