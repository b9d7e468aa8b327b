"""``opcheck report``: measured width thresholds, their exponents in n, sweeps, plots and a written report.

Catalogue
---------
Running
    config.ReportConfig, config.make_plan, config.threshold_ns -- the options and the grids they imply
    run.prepare, run.run_report -- data (every dataset), then the parts -> run.ReportResult
    executor.Runner, executor.Task -- tasks on Dask (LocalCluster by default, any scheduler by address) or serially
    threshold_sweep.tasks, threshold_sweep.collect -- every dataset x n x criterion x seed as tasks; records and exponents
    threshold_tasks.run_search -- one bisection (features / NTK concentration, GD in the kernel regime)
    bisection.search, concentration.features_search, concentration.ntk_search, gd_threshold.gd_search
    points.run_point -- one (n, d1, omega1, omega2, seed) point: run_verify + gradient descent + held-out error
Results
    threshold_records.ThresholdRecord, threshold_records.ExponentRecord -- per (dataset, criterion, n) and their exponents
    exponents.fit_exponent, exponents.weighted_line -- weighted log-log fits with t-intervals; the < 3 dof rule
    sweeps.WidthScan, sweeps.SampleSweep, sweeps.Threshold -- the legacy width grid and the EXTRAPOLATED (9) threshold
    init_ratio.InitRatioSweep -- omega2/omega1 at the He product over seeds, with the held-out error trend
    fits.power_fit, fits.extrapolate_to -- log-log exponents with t-intervals; labelled extrapolation
    bounds.theorem_bounds -- each theorem's width bound in n (registry, constant 1)
    findings.summary, findings.findings -- the answer per dataset and the verdicts in words
    schema.RESULTS_SCHEMA, schema.validate -- the documented layout of results.json (docs/report-format.md)
Output
    plots.all_plots, plots_thresholds.thresholds_plot -- matplotlib (Agg) figures drawn from the results data
    provenance.collect -- version, command line, seeds, data hashes, machine, libraries
    document.build, writer.write_report -- HTML (self-contained), Markdown, JSON; atomic folder policy

Every number carries its source: ``paper``, ``derived`` (opcheck's derivation,
theory.md) or ``measured``; anything beyond the measured widths is labelled an
extrapolation.
"""
