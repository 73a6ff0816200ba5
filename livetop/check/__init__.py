"""`livetop check`: a Nagios / Icinga plugin. `nagios` holds the plugin API pieces (threshold ranges, perfdata,
states); `verdict` turns a one-shot snapshot into a state per domain. No Textual, no HTTP here."""
