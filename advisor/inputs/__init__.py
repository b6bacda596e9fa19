"""What goes in: the knowledge base, the validated scenario, data files read safely, limits, the
example answers file and team calibrations."""
