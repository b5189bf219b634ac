"""Plugins installed into the micro-cloud's own virtual environment.

They are imported by Neutron and Nova, never by Perspective.
"""
