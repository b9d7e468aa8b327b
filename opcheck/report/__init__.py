"""``opcheck report``: sweeps, fits, plots and a written report (issue 5).

Catalogue
---------
Running
    config.ReportConfig, config.make_plan -- the options and the sweep grids they imply
    run.prepare, run.run_report -- data splits, then the three sweeps -> run.ReportResult
    points.run_point -- one (n, d1, omega1, omega2) point: run_verify + gradient descent + held-out error
    executor.Runner -- points in-process or in worker processes (single-threaded BLAS), cached
Results
    sweeps.WidthScan, sweeps.SampleSweep, sweeps.InitRatioSweep, sweeps.Threshold
    fits.power_fit, fits.extrapolate_to -- log-log exponents with t-intervals; labelled extrapolation
    bounds.theorem_bounds -- each theorem's width bound in n (registry, constant 1)
    findings.findings -- the verdicts in words
    schema.RESULTS_SCHEMA, schema.validate -- the documented layout of results.json
Output
    plots.all_plots -- matplotlib (Agg) figures drawn from the results data
    provenance.collect -- version, command line, seeds, data hashes, machine, libraries
    document.build, writer.write_report -- HTML (self-contained), Markdown, JSON; atomic folder policy

Every number carries its source: ``paper``, ``derived`` (opcheck's derivation,
theory.md) or ``measured``; anything beyond the measured widths is labelled an
extrapolation.
"""
