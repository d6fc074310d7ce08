namespace Harness.Series;

/// <summary>The base tree could not be fetched, unpacked or read.</summary>
public sealed class KernelSourceException(string message, Exception? inner = null) : Exception(message, inner);
