/**
 * The playground end to end in headless Chromium (Debian's `chromium`, driven by playwright-core): a requester
 * files a short request on the demo role from the message box, an outsider's Approve is refused with the reason,
 * an approver approves, the card updates and the demo system shows the access, then the access expires and is
 * revoked. A screenshot of the approved moment is saved (PLAYGROUND_SCREENSHOT, default .tmp/playground.png;
 * the README's docs/playground.png is made with PLAYGROUND_SCREENSHOT=docs/playground.png).
 *
 * Without /usr/bin/chromium the test is skipped with a line saying so — except under CI=true, where it fails.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlayground, type TestPlayground } from '../../support/playground.ts';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const required = process.env.CI === 'true';
if (!available && !required) console.warn(`playground browser test skipped: ${CHROMIUM} is missing (install it with \`apt-get install -y chromium\`)`);

describe.skipIf(!available && !required)('the playground in a browser', () => {
  let pg: TestPlayground;
  let context: BrowserContext;
  let page: Page;
  let profile: string;

  beforeAll(async () => {
    if (!available) throw new Error(`${CHROMIUM} is missing and CI=true: .ci/run installs it with apt-get install -y chromium`);
    pg = await startTestPlayground();
    profile = mkdtempSync(join(tmpdir(), 'accessbot-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 860 },
      // Without the background-networking flags Chromium stalls on a closed network.
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await context.newPage();
  });

  afterAll(async () => {
    await context?.close();
    await pg?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const actAs = async (name: string) => {
    await page.locator('.person', { hasText: name }).click();
    await expect.poll(() => page.locator('.person.active .person-name').textContent()).toBe(name);
  };
  const card = () => page.locator('.messages article.message:not(.ephemeral)', { hasText: 'AR-1' }).first();

  it('request, refusal, approval, grant at the demo system, expiry and revoke', async () => {
    await page.goto(`${pg.baseUrl}/`);
    await actAs('alice');
    await page.locator('.nav[data-place="C0APPROVALS"]').click();
    await page.locator('#message-box').fill('/request-access demo 12s checking the checkout dashboard');
    await page.locator('#message-box').press('Enter');
    await card().waitFor();
    await expect.poll(() => card().textContent()).toContain('demo');
    await page.locator('.message.ephemeral', { hasText: 'Filed AR-1' }).waitFor();

    // The outsider may click Approve; the bot refuses and says why, to them only.
    await actAs('oscar');
    await card().locator('button.bk-button', { hasText: 'Approve' }).click();
    const refusal = page.locator('.message.ephemeral').last();
    await refusal.waitFor();
    await expect.poll(() => refusal.textContent()).toContain('You are not an approver for "demo"');
    await expect.poll(() => refusal.textContent()).toContain('Only visible to you');
    await expect.poll(() => page.locator('#system-access').textContent()).toContain('Nobody holds access');

    // An approver approves: the card changes for everyone and the demo system holds the access.
    await actAs('bob');
    await card().locator('button.bk-button', { hasText: 'Approve' }).click();
    const confirm = page.locator('#confirm-layer .ok');
    if (await confirm.isVisible()) await confirm.click();
    await expect.poll(() => card().locator('button', { hasText: 'Approve' }).count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => card().textContent(), { timeout: 10_000 }).toMatch(/approved|active|granted/i);
    await expect.poll(() => page.locator('#system-access table tr[data-grant]').textContent(), { timeout: 10_000 }).toContain('alice@example.com');
    await expect.poll(() => page.locator('#system-history').textContent()).toContain('grant');

    const shot = resolve(process.env.PLAYGROUND_SCREENSHOT ?? '.tmp/playground.png');
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot });

    // At expiry the bot revokes: the demo system lets go and the card says so.
    await expect.poll(() => page.locator('#system-access').textContent(), { timeout: 30_000, interval: 500 }).toContain('Nobody holds access');
    await expect.poll(() => page.locator('#system-history').textContent()).toContain('revoke');
    await expect.poll(() => card().textContent(), { timeout: 10_000 }).toMatch(/expired|revoked|ended/i);
  }, 90_000);

  it('the request form: /request-access alone opens it, a bad duration is shown inline, and an approver denies through the deny form', async () => {
    await actAs('dave');
    await page.locator('.nav[data-place="C0APPROVALS"]').click();
    await page.locator('#message-box').fill('/request-access');
    await page.locator('#message-box').press('Enter');
    const modal = page.locator('#modal-layer .modal');
    await modal.waitFor();
    await modal.getByLabel('Role').selectOption('demo');
    await modal.getByLabel('Duration').fill('forever');
    await modal.getByLabel('Reason').fill('rotating the demo keys');
    await modal.locator('button[type="submit"]').click();
    await expect.poll(() => modal.locator('.bk-error').first().textContent()).toBeTruthy();
    await modal.getByLabel('Duration').fill('10m');
    await expect.poll(() => modal.getByLabel('Reason').inputValue()).toBe('rotating the demo keys'); // what was typed survives the error
    await modal.locator('button[type="submit"]').click();
    await expect.poll(() => page.locator('#modal-layer').isHidden()).toBe(true);
    const second = page.locator('.messages article.message:not(.ephemeral)', { hasText: 'AR-2' }).first();
    await second.waitFor();

    await actAs('carol');
    await second.locator('button.bk-button', { hasText: 'Deny' }).click();
    const confirm = page.locator('#confirm-layer .ok');
    if (await confirm.isVisible()) await confirm.click();
    await modal.waitFor();
    await modal.locator('textarea').fill('not during the freeze');
    await modal.locator('button[type="submit"]').click();
    await expect.poll(() => second.textContent(), { timeout: 10_000 }).toMatch(/denied/i);
    await expect.poll(() => second.textContent()).toContain('not during the freeze');
  }, 60_000);

  it('confirm dialogs: the requester cancels from the DM, after first keeping it', async () => {
    await actAs('alice');
    await page.locator('.nav', { hasText: 'accessbot' }).click();
    await page.locator('#message-box').fill('/request-access demo 5m trying the DM');
    await page.locator('#message-box').press('Enter');
    const notice = page.locator('.messages article.message:not(.ephemeral)', { hasText: 'AR-3' }).first();
    const cancel = notice.locator('button.bk-button', { hasText: 'Cancel request' });
    await cancel.waitFor();
    let clicksSent = 0;
    page.on('request', (request) => void (request.url().endsWith('/playground/api/click') && clicksSent++));
    await cancel.click();
    const dialog = page.locator('#confirm-layer [role="alertdialog"]');
    await expect.poll(() => dialog.textContent()).toContain('AR-3 will be withdrawn.');
    await dialog.locator('button.cancel', { hasText: 'Keep it' }).click();
    await expect.poll(() => page.locator('#confirm-layer').isHidden()).toBe(true);
    expect(clicksSent).toBe(0); // "Keep it" sends nothing to the bot
    await cancel.click();
    await dialog.locator('button.ok', { hasText: 'Cancel it' }).click();
    await expect.poll(() => clicksSent).toBe(1);
    await page.locator('.nav[data-place="C0APPROVALS"]').click();
    const card3 = page.locator('.messages article.message:not(.ephemeral)', { hasText: 'AR-3' }).first();
    await expect.poll(() => card3.textContent(), { timeout: 10_000 }).toMatch(/cancel/i);
    await expect.poll(() => card3.locator('button', { hasText: 'Approve' }).count()).toBe(0);
  }, 60_000);
});
