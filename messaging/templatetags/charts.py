from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def sparkline(series: list[float], label: str = "") -> SafeString | str:
    """A small inline SVG bar chart of a daily series: no JavaScript, prints fine."""
    if not series:
        return ""
    top = max(series) or 1.0
    height, gap = 32.0, 0.6
    bar = 100.0 / len(series)
    rects = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}"></rect>',
        (
            (
                f"{i * bar:.2f}",
                f"{height - (v / top) * height:.2f}",
                f"{max(bar - gap, 0.4):.2f}",
                f"{(v / top) * height:.2f}",
            )
            for i, v in enumerate(series)
        ),
    )
    return format_html(
        '<svg class="spark" viewBox="0 0 100 32" preserveAspectRatio="none" role="img" '
        'aria-label="{}"><g fill="currentColor">{}</g></svg>',
        f"{label}, one bar per day",
        rects,
    )
