namespace Harness.Series;

/// <summary>The series could not be read, applied, exported or checked.</summary>
public class SeriesException(string message) : Exception(message);
