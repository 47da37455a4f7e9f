"""Attribution: which unit a guide belongs to and which unit a finding charges.

``registry`` parses the unit registry, ``gazetteer`` maps an implementing body to a
unit, ``charge`` finds the line department that owns an item, ``variance`` turns
regional differences the handbook leaves open into one finding against that department.
"""
