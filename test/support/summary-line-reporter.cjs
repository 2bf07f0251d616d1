// Prints one plain closing line ("jest: N passed, N failed, N skipped") that any CI log reader
// understands, after Jest's own summary.
class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    process.stdout.write(
      `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests + results.numTodoTests} skipped\n`,
    );
  }
}

module.exports = SummaryLineReporter;
