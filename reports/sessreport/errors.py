"""The single error type of the report generator."""


class ReportError(Exception):
    """An input problem: the CLI prints `reports: WHERE: WHAT` and exits 2.

    `where` is a file name, optionally followed by `:LINE` or by a JSON path
    (`cert.json: verdicts[2]`), so that the user can go straight to the culprit.
    """

    def __init__(self, where, what):
        super().__init__(f"{where}: {what}")
        self.where = where
        self.what = what
