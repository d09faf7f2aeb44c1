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

/** The page re-renders from the playground server's events; on a loaded CI machine that takes longer than poll's 1 s default. */
const poll = <T>(read: () => T | Promise<T>, options: { timeout?: number; interval?: number } = {}) => expect.poll(read, { timeout: 15_000, ...options });

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
    await poll(() => page.locator('.person.active .person-name').textContent()).toBe(name);
  };
  const card = () => page.locator('.messages article.message:not(.ephemeral)', { hasText: 'AR-1' }).first();

  it('request, refusal, approval, grant at the demo system, expiry and revoke', async () => {
    await page.goto(`${pg.baseUrl}/`);
    await actAs('alice');
    await page.locator('.nav[data-place="C0APPROVALS"]').click();
    await page.locator('#message-box').fill('/request-access demo 12s checking the checkout dashboard');
    await page.locator('#message-box').press('Enter');
    await card().waitFor();
    await poll(() => card().textContent()).toContain('demo');
    await page.locator('.message.ephemeral', { hasText: 'Filed AR-1' }).waitFor();

    // The outsider may click Approve; the bot refuses and says why, to them only.
    await actAs('oscar');
    await card().locator('button.bk-button', { hasText: 'Approve' }).click();
    const refusal = page.locator('.message.ephemeral').last();
    await refusal.waitFor();
    await poll(() => refusal.textContent()).toContain('You are not an approver for "demo"');
    await poll(() => refusal.textContent()).toContain('Only visible to you');
    await poll(() => page.locator('#system-access').textContent()).toContain('Nobody holds access');

    // An approver approves: the card changes for everyone and the demo system holds the access.
    await actAs('bob');
    await card().locator('button.bk-button', { hasText: 'Approve' }).click();
    const confirm = page.locator('#confirm-layer .ok');
    if (await confirm.isVisible()) await confirm.click();
    await poll(() => card().locator('button', { hasText: 'Approve' }).count()).toBe(0);
    await poll(() => card().textContent()).toMatch(/approved|active|granted/i);
    await poll(() => page.locator('#system-access table tr[data-grant]').textContent()).toContain('alice@example.com');
    await poll(() => page.locator('#system-history').textContent()).toContain('grant');

    const shot = resolve(process.env.PLAYGROUND_SCREENSHOT ?? '.tmp/playground.png');
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot });

    // At expiry the bot revokes: the demo system lets go and the card says so.
    await poll(() => page.locator('#system-access').textContent(), { timeout: 30_000, interval: 500 }).toContain('Nobody holds access');
    await poll(() => page.locator('#system-history').textContent()).toContain('revoke');
    await poll(() => card().textContent()).toMatch(/expired|revoked|ended/i);
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
    await poll(() => modal.locator('.bk-error').first().textContent()).toBeTruthy();
    await modal.getByLabel('Duration').fill('10m');
    await poll(() => modal.getByLabel('Reason').inputValue()).toBe('rotating the demo keys'); // what was typed survives the error
    await modal.locator('button[type="submit"]').click();
    await poll(() => page.locator('#modal-layer').isHidden()).toBe(true);
    const second = page.locator('.messages article.message:not(.ephemeral)', { hasText: 'AR-2' }).first();
    await second.waitFor();

    await actAs('carol');
    await second.locator('button.bk-button', { hasText: 'Deny' }).click();
    const confirm = page.locator('#confirm-layer .ok');
    if (await confirm.isVisible()) await confirm.click();
    await modal.waitFor();
    await modal.locator('textarea').fill('not during the freeze');
    await modal.locator('button[type="submit"]').click();
    await poll(() => second.textContent()).toMatch(/denied/i);
    await poll(() => second.textContent()).toContain('not during the freeze');
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
    await poll(() => dialog.textContent()).toContain('AR-3 will be withdrawn.');
    await dialog.locator('button.cancel', { hasText: 'Keep it' }).click();
    await poll(() => page.locator('#confirm-layer').isHidden()).toBe(true);
    expect(clicksSent).toBe(0); // "Keep it" sends nothing to the bot
    await cancel.click();
    await dialog.locator('button.ok', { hasText: 'Cancel it' }).click();
    await poll(() => clicksSent).toBe(1);
    await page.locator('.nav[data-place="C0APPROVALS"]').click();
    const card3 = page.locator('.messages article.message:not(.ephemeral)', { hasText: 'AR-3' }).first();
    await poll(() => card3.textContent()).toMatch(/cancel/i);
    await poll(() => card3.locator('button', { hasText: 'Approve' }).count()).toBe(0);
  }, 60_000);

  it('the Block Kit renderer draws every block kind the bot uses and reads inputs as Slack state values', async () => {
    if (!page.url().startsWith(pg.baseUrl)) await page.goto(`${pg.baseUrl}/`);
    // Plain JavaScript run in the page (kept out of the test runner's module transform).
    const drawn: unknown = await page.evaluate(`(async () => {
      const { renderBlocks, StateCollector } = await import('/playground/web/blockkit.js');
      const clicked = [];
      const state = new StateCollector();
      const names = { user: () => 'bob', channel: () => 'approvals' };
      const plain = (text) => ({ type: 'plain_text', text });
      const option = (value) => ({ text: plain(value), value });
      const root = renderBlocks(
        [
          { type: 'header', text: plain('Access request AR-9') },
          { type: 'section', block_id: 's1', text: { type: 'mrkdwn', text: '*bold* for <@U0BOB>' }, fields: [{ type: 'mrkdwn', text: '*Role*\\ndemo' }, { type: 'plain_text', text: 'Duration 1m' }], accessory: { type: 'button', action_id: 'acc', value: '9', text: plain('Details') } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: 'until <!date^1767600000^{date_num}|fallback>' }] },
          { type: 'divider' },
          { type: 'actions', block_id: 'a1', elements: [{ type: 'button', action_id: 'ok', style: 'primary', text: plain('Approve'), value: '9' }, { type: 'button', action_id: 'no', style: 'danger', text: plain('Deny'), value: '9', confirm: { title: plain('Sure?'), text: plain('x'), confirm: plain('Yes'), deny: plain('No') } }] },
          { type: 'input', block_id: 'when', label: plain('Day'), element: { type: 'datepicker', action_id: 'd', initial_date: '2026-01-05' } },
          { type: 'input', block_id: 'pick', label: plain('Pick'), element: { type: 'radio_buttons', action_id: 'r', options: [option('a'), option('b')], initial_option: option('b') } },
          { type: 'input', block_id: 'flags', label: plain('Flags'), optional: true, element: { type: 'checkboxes', action_id: 'c', options: [option('x')] } },
          { type: 'input', block_id: 'role', label: plain('Role'), element: { type: 'static_select', action_id: 's', options: [option('demo'), option('readonly')], initial_option: option('readonly') } },
          { type: 'input', block_id: 'why', label: plain('Reason'), element: { type: 'plain_text_input', action_id: 't', multiline: true } },
        ],
        { names, state, onAction: (element, blockId) => clicked.push([element.action_id, blockId]) },
      );
      document.body.append(root);
      root.querySelector('.bk-accessory').click();
      root.querySelector('.bk-danger').click();
      root.querySelector('textarea').value = 'because';
      const result = {
        header: root.querySelector('h3.bk-header')?.textContent,
        section: root.querySelector('.bk-section .bk-text')?.innerHTML,
        fields: root.querySelectorAll('.bk-fields .bk-field').length,
        context: root.querySelector('.bk-context time')?.getAttribute('datetime'),
        divider: root.querySelectorAll('hr.bk-divider').length,
        buttons: [...root.querySelectorAll('.bk-actions button')].map((b) => b.textContent + ':' + b.className),
        clicked,
        values: state.values(),
      };
      root.remove();
      return result;
    })()`);
    expect(drawn).toEqual({
      header: 'Access request AR-9',
      section: '<strong>bold</strong> for <span class="mention" data-user="U0BOB">@bob</span>',
      fields: 2,
      context: '2026-01-05T08:00:00.000Z',
      divider: 1,
      buttons: ['Approve:bk-button bk-primary', 'Deny:bk-button bk-danger'],
      clicked: [['acc', 's1'], ['no', 'a1']],
      values: {
        when: { d: { type: 'datepicker', selected_date: '2026-01-05' } },
        pick: { r: { type: 'radio_buttons', selected_option: { text: { type: 'plain_text', text: 'b', emoji: true }, value: 'b' } } },
        flags: { c: { type: 'checkboxes', selected_options: [] } },
        role: { s: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'readonly', emoji: true }, value: 'readonly' } } },
        why: { t: { type: 'plain_text_input', value: 'because' } },
      },
    });
  });
});
