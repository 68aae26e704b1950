// Prints one plain closing line ("jest: N passed, N failed, N skipped") that CI logs can be read by.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests + results.numTodoTests} skipped`;
    process.stderr.write(`\n${line}\n`);
  }
}
module.exports = SummaryReporter;
