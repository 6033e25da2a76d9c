// Initialise GOV.UK Frontend components (error summaries, details, character counts...).
import { initAll } from './govuk/govuk-frontend.min.js'
initAll()

// Print buttons (no inline script: the Content-Security-Policy forbids it).
document.querySelectorAll('[data-print]').forEach((button) => {
  button.addEventListener('click', () => window.print())
})

// Assessment drafts save themselves as the keyworker types, and say so politely to screen
// readers. The saved version comes back so the next save cannot overwrite a colleague's work.
document.querySelectorAll('form[data-autosave]').forEach((form) => {
  const status = form.querySelector('[data-autosave-status]')
  const version = form.querySelector('[data-version]')
  let timer = null
  let saving = null
  const save = async () => {
    if (saving) await saving
    const body = new FormData(form)
    body.delete('action')
    saving = fetch(form.dataset.autosave, { method: 'POST', body, credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(async (response) => {
        const result = await response.json()
        if (response.ok) {
          version.value = result.version
          status.textContent = `Draft saved ${result.saved_at}.`
        } else {
          status.textContent = response.status === 409 ? result.error : `Not saved yet: ${result.error}`
        }
      })
      .catch(() => { status.textContent = 'Not saved: check your connection. Your answers are still on this page.' })
      .finally(() => { saving = null })
    await saving
  }
  form.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(save, 1500)
  })
  // On a slow connection the keyworker can type before this script arrives, and no 'input'
  // event will come for what they typed then: if anything already differs from the page as
  // sent, save it as if they had just typed it.
  if ([...form.elements].some(differsFromPageAsSent)) timer = setTimeout(save, 1500)
})

function differsFromPageAsSent (field) {
  if (field.type === 'checkbox' || field.type === 'radio') return field.checked !== field.defaultChecked
  if (field.tagName === 'SELECT') return [...field.options].some((option) => option.selected !== option.defaultSelected)
  if (field.tagName === 'TEXTAREA' || (field.tagName === 'INPUT' && field.type !== 'hidden')) return field.value !== field.defaultValue
  return false
}
