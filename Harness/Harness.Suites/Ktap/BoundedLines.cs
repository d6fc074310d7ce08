namespace Harness.Suites.Ktap;

/// <summary>
/// Collects output lines for one test, keeping the first and the last lines when
/// there are more than the limit: the start shows what the test did, the end
/// shows how it failed. One marker line gives the number dropped.
/// </summary>
internal sealed class BoundedLines
{
    private readonly int _headLimit;
    private readonly int _tailLimit;
    private readonly List<string> _head = [];
    private readonly Queue<string> _tail = new();
    private long _omitted;

    public BoundedLines(int maxLines)
    {
        var limit = Math.Max(maxLines, 2);
        _headLimit = limit / 5;
        _tailLimit = limit - _headLimit;
    }

    public bool IsEmpty => _head.Count == 0 && _tail.Count == 0;

    public void Add(string line)
    {
        if (_head.Count < _headLimit)
        {
            _head.Add(line);
            return;
        }
        _tail.Enqueue(line);
        if (_tail.Count > _tailLimit)
        {
            _tail.Dequeue();
            _omitted++;
        }
    }

    public void AddRange(IEnumerable<string> lines)
    {
        foreach (var line in lines)
            Add(line);
    }

    /// <summary>Returns the collected lines and starts empty again.</summary>
    public IReadOnlyList<string> Take()
    {
        var lines = new List<string>(_head.Count + _tail.Count + 1);
        lines.AddRange(_head);
        if (_omitted > 0)
            lines.Add($"[... {_omitted} lines omitted ...]");
        lines.AddRange(_tail);

        _head.Clear();
        _tail.Clear();
        _omitted = 0;
        return lines;
    }
}
