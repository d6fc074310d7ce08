namespace Harness.Suites.Catalog;

/// <summary>Reads the test list a kselftest_harness.h program prints with -l.</summary>
public static class KselftestListing
{
    /// <summary>Where the TEST column starts: the listing prints "%-20s %-25s %s".</summary>
    private const int TestColumn = 47;

    /// <summary>
    /// Returns names as the program prints them in KTAP, in run order: fixture.test,
    /// or fixture.variant.test for each variant of the fixture. The listing prints
    /// a fixture's tests once, beside its first variant, and the other variants on
    /// lines of their own. Long names overflow their column, so where a word starts
    /// decides its column only when the word count leaves it open.
    /// </summary>
    public static IReadOnlyList<string> Parse(string output)
    {
        var names = new List<string>();
        string? fixture = null;
        var variants = new List<string>();
        var tests = new List<string>();

        void Flush()
        {
            if (fixture is null)
                return;
            foreach (var variant in variants.Count > 0 ? variants : [""])
            {
                foreach (var test in tests)
                    names.Add(variant.Length > 0 ? $"{fixture}.{variant}.{test}" : $"{fixture}.{test}");
            }
            fixture = null;
            variants.Clear();
            tests.Clear();
        }

        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith('#') || line.StartsWith('-') || line.Trim().Length == 0)
                continue;

            var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
            if (!char.IsWhiteSpace(line[0]))
            {
                Flush();
                fixture = words[0];
                words.RemoveAt(0);
                if (words.Count == 2)
                {
                    variants.Add(words[0]);
                    tests.Add(words[1]);
                    continue;
                }
            }
            else if (words.Count == 2)
            {
                variants.Add(words[0]);
                tests.Add(words[1]);
                continue;
            }

            if (words.Count == 1)
            {
                var start = line.IndexOf(words[0], char.IsWhiteSpace(line[0]) ? 0 : fixture!.Length, StringComparison.Ordinal);
                if (start >= TestColumn)
                    tests.Add(words[0]);
                else
                    variants.Add(words[0]);
            }
        }
        Flush();
        return names;
    }
}
