"""The SLA engine, pure (no I/O, no ``datetime.now()``), in modules of one idea each:
``policy`` (documents and selection), ``clocks`` (clock kinds and result types), ``run`` (one
clock's working-time arithmetic), ``replay`` (events to clocks, alerts, preview), ``calendar``
(business calendars) and ``defaults`` (the calendars, policies and escalation rules shipped)."""
