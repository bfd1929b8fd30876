"""The browser tests' tools work: axe-core runs and reports what it must."""

from tests.browser.conftest import Axe


def test_axe_reports_a_serious_violation_and_passes_a_clean_page(browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content('<!DOCTYPE html><html lang="en"><head><title>t</title></head>'
                         '<body><main><h1>t</h1><p><img src="data:,"></p></main></body></html>')
        axe = Axe()
        axe.check(page, "an image without alt text")
        assert any("image-alt" in v and "[critical]" in v for v in axe.violations), (
            axe.violations)

        page.set_content('<!DOCTYPE html><html lang="en"><head><title>t</title></head>'
                         '<body><main><h1>t</h1><p><img src="data:," alt="x"></p></main>'
                         '</body></html>')
        clean = Axe()
        clean.check(page, "the same image with alt text")
        clean.assert_clean()
    finally:
        context.close()
