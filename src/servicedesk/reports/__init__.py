"""Reports: SLA, workload, time and money; the desk's dashboard and the portal's overview."""
