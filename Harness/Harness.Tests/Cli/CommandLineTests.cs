using Harness.Cli.Infrastructure;

namespace Harness.Tests.Cli;

public sealed class CommandLineTests
{
    [TestCase(new[] { "run", "--memory", "abc" }, "--memory 'abc' is not a whole number.")]
    [TestCase(new[] { "run", "--cpus=two" }, "--cpus 'two' is not a whole number.")]
    [TestCase(new[] { "run" }, "'abc' is not a whole number.")]
    public void Conversion_failure_names_option(string[] arguments, string expected)
    {
        var value = arguments.Contains("--cpus=two") ? "two" : "abc";

        var message = CommandLine.ConversionFailure($"Failed to convert '{value}' to Int32.", arguments);

        Assert.That(message, Is.EqualTo(expected));
    }

    [Test]
    public void Other_parser_errors_stay_unchanged()
    {
        Assert.That(CommandLine.ConversionFailure("Unknown option 'x'.", ["run", "-x"]), Is.Null);
    }
}
