"""Says a test run's failures again, last, from its trx file: each failed test's name and the first lines of its
message, then one closing line of counts. CI shows only the tail of its output; a failure reported mid-run scrolls away."""
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
MESSAGE_LINES = 12

if len(sys.argv) != 2:
    sys.exit("usage: test-summary.py RESULTS.trx")
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError) as error:
    sys.exit(f"test-summary: no test results to read ({error}); the run stopped before the tests reported.")

results = root.findall(".//t:Results/t:UnitTestResult", NS)
failed = [r for r in results if r.get("outcome") == "Failed"]
passed = sum(1 for r in results if r.get("outcome") == "Passed")
skipped = sum(1 for r in results if r.get("outcome") == "NotExecuted")

if failed:
    print()
    print(f"Failed tests ({len(failed)}):")
    for result in failed:
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS).strip().splitlines()
        print(f"- {result.get('testName')}")
        for line in message[:MESSAGE_LINES]:
            print(f"    {line}")
        if len(message) > MESSAGE_LINES:
            print(f"    ... ({len(message) - MESSAGE_LINES} more lines in {sys.argv[1]})")
print(f"tests: {passed} passed, {len(failed)} failed, {skipped} skipped")
sys.exit(1 if failed or not results else 0)
