using System.Text;
using FuncTasks.Output;

namespace FuncTasks.Tests.Output;

public sealed class Utf8SanitizerTests
{
    [Fact]
    public void Sanitize_CharacterSplitAcrossWrites_IsHeldUntilComplete()
    {
        var sanitizer = new Utf8Sanitizer();
        var euro = "€"u8.ToArray(); // E2 82 AC

        var first = sanitizer.Sanitize([(byte)'a', euro[0], euro[1]]).ToArray();
        var second = sanitizer.Sanitize([euro[2], (byte)'b']).ToArray();

        Assert.Equal("a", Encoding.UTF8.GetString(first));
        Assert.Equal("€b", Encoding.UTF8.GetString(second));
    }

    [Fact]
    public void Sanitize_InvalidBytes_BecomeReplacementCharacters()
    {
        var sanitizer = new Utf8Sanitizer();

        var text = Encoding.UTF8.GetString(sanitizer.Sanitize([(byte)'x', 0xFF, 0xC3, (byte)'y', 0x80]));

        Assert.Equal("x\uFFFD\uFFFDy\uFFFD", text);
    }

    [Fact]
    public void Finish_AnUnfinishedCharacter_IsOneReplacementCharacter()
    {
        var sanitizer = new Utf8Sanitizer();

        Assert.Equal(0, sanitizer.Sanitize([0xE2, 0x82]).Length);
        Assert.Equal("\uFFFD", Encoding.UTF8.GetString(sanitizer.Finish()));
        Assert.Equal(0, sanitizer.Finish().Length);
    }

    [Fact]
    public void Sanitize_ValidText_PassesThrough()
    {
        var sanitizer = new Utf8Sanitizer();
        var bytes = "plain ascii, ü, 日本, 🎉\n"u8.ToArray();

        Assert.Equal(bytes, sanitizer.Sanitize(bytes).ToArray());
    }
}
