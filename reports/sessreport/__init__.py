"""sessreport: turn sessionspec trace JSON lines (and result files) into one self-contained HTML report.

Modules:
  errors    -- ReportError, the one exception the CLI turns into `reports: FILE:LINE: ...` + exit 2
  traces    -- read and validate trace files (docs/trace-format.md, version 1) into Run objects
  results   -- read and validate certificate / mutants / races JSON files
  values    -- display formatting of trace values (PHP-like literals, byte strings, clipping)
  compare   -- session-id normalisation, row alignment and first-divergence detection
  sequence  -- the inline-SVG sequence diagram (Browser / Engine / Handler / Store)
  views     -- view models the template renders (two-column rows, summaries, comparisons)
  verdict   -- the verdict banner and the attention list of a certificate report
  render    -- the Jinja2 environment and the top-level render() function
"""
