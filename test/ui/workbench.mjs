// Small helpers over the VS Code 1.100 web workbench DOM (selectors that held on code-server 4.100.3).
import assert from 'node:assert/strict';

export async function waitForWorkbench(page) {
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 90_000 });
}

export async function openContainer(page, title = 'MLOps') {
  const item = page.locator(`.activitybar a.action-label[aria-label^="${title}"]`).first();
  await item.waitFor({ timeout: 60_000 });
  const expanded = await item.evaluate((el) => el.closest('.action-item')?.classList.contains('checked'));
  if (!expanded) await item.click();
}

/** Runs a command from the palette by its title ("MLOps: …"). */
export async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor();
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ timeout: 15_000 });
  await input.press('Enter');
}

export async function quickInput(page) {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor();
  return input;
}

export function treeRows(page, view) {
  return page.locator(`.monaco-list[aria-label="${view}"] .monaco-list-row`);
}

export async function waitForRow(page, view, text, timeout = 30_000) {
  const row = treeRows(page, view).filter({ hasText: text }).first();
  await row.waitFor({ timeout });
  return row;
}

export async function notification(page, text, timeout = 30_000) {
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  await toast.waitFor({ timeout });
  return toast;
}

export async function clickNotificationButton(page, text, button) {
  const toast = await notification(page, text);
  await toast.locator('.monaco-button', { hasText: button }).first().click();
}

/** Right-clicks a tree row and chooses an entry of its context menu. */
export async function contextMenu(page, row, entry) {
  // A tree that refreshes while its menu opens can leave the menu unclickable: close it and open it again.
  for (let attempt = 1; ; attempt++) {
    await row.click({ button: 'right' });
    const item = page.locator('.monaco-menu .action-item', { hasText: entry }).first();
    try {
      await item.waitFor({ timeout: 15_000 });
      // A click can land while the menu is still settling; the highlighted entry then takes Enter.
      await item.hover({ timeout: 5000 });
      await item.click({ timeout: 5000 });
    } catch (e) {
      if (attempt >= 3) throw e;
      await page.keyboard.press('Escape');
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    // An Enter that arrives after the menu closed would go to the focused row (and open it), so wait first.
    const menu = page.locator('.monaco-menu').first();
    const closed = await menu.waitFor({ state: 'hidden', timeout: 2000 }).then(
      () => true,
      () => false,
    );
    if (!closed) await page.keyboard.press('Enter');
    return;
  }
}

export { assert };
