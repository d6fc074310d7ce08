using System.Globalization;
using System.Text;

namespace Harness.Tests.Image;

/// <summary>One member of a newc archive as the tests read it back.</summary>
public sealed record NewcMember(string Name, uint Mode, uint Uid, uint Gid, uint Mtime, uint Inode, uint RdevMajor, uint RdevMinor, byte[] Data)
{
    public uint Type => Mode & 0xf000;

    public uint Permissions => Mode & 0xfff;

    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>
/// A small independent newc reader, written from the format description in the
/// kernel's Documentation/driver-api/early-userspace/buffer-format.rst, so that the
/// writer is checked against something other than itself.
/// </summary>
public static class NewcReader
{
    /// <summary>Reads members from <paramref name="data"/> at <paramref name="offset"/> up to the trailer.</summary>
    public static List<NewcMember> Read(byte[] data, int offset = 0)
    {
        var members = new List<NewcMember>();
        var at = offset;
        while (true)
        {
            var magic = Encoding.ASCII.GetString(data, at, 6);
            if (magic != "070701")
                throw new InvalidDataException($"Bad newc magic '{magic}' at offset {at}.");

            uint Field(int index) => uint.Parse(Encoding.ASCII.GetString(data, at + 6 + index * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

            var nameSize = (int)Field(11);
            var fileSize = (int)Field(6);
            var name = Encoding.UTF8.GetString(data, at + 110, nameSize - 1);
            var dataStart = Align(at + 110 + nameSize, offset);
            if (name == "TRAILER!!!")
                return members;

            members.Add(new NewcMember(name, Field(1), Field(2), Field(3), Field(5), Field(0), Field(9), Field(10),
                data.AsSpan(dataStart, fileSize).ToArray()));
            at = Align(dataStart + fileSize, offset);
        }
    }

    private static int Align(int position, int origin) => origin + (position - origin + 3) / 4 * 4;
}
