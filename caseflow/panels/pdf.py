"""Panel minutes as a PDF (fpdf2), cut to what the reader may see."""
from __future__ import annotations

from fpdf import FPDF

from caseflow.core import timescales
from caseflow.core.pdf import latin1

LABELS = {"allocate": "Allocated", "signpost": "Signposted", "step_up": "Stepped up to children's social care",
          "defer": "Deferred to the next panel"}


_text = latin1


def minutes_pdf(panel, items, decision) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_title(f"Minutes: {panel.name}")
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, _text(f"{panel.name}: minutes"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, _text(f"Meeting on {timescales.format_uk_date(panel.meets_on)}. OFFICIAL-SENSITIVE."),
                   new_x="LMARGIN", new_y="NEXT")
    attended = [m.organisation.name for m in panel.members if m.attended]
    apologies = [m.organisation.name for m in panel.members if not m.attended]
    pdf.multi_cell(0, 6, _text("Present: " + (", ".join(attended) or "not recorded")), new_x="LMARGIN", new_y="NEXT")
    if apologies:
        pdf.multi_cell(0, 6, _text("Apologies: " + ", ".join(apologies)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for item in items:
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, _text(f"{item.family.display_name} ({item.case.reference})"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, _text(f"Decision: {LABELS.get(item.decided.decision, item.decided.decision)}"),
                       new_x="LMARGIN", new_y="NEXT")
        if "referral" in decision.categories:
            pdf.multi_cell(0, 6, _text(f"Reasons: {item.decided.rationale}"), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(0, 6, _text("Reasons: withheld (shared only with consent or a lawful basis)"),
                           new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    if not items:
        pdf.multi_cell(0, 6, "No decisions recorded yet.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
