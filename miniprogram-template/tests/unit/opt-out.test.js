'use strict';
/**
 * 报停 / 恢复供暖: the coming seasons of a house with the company's deadline, the basic fee share and why an
 * application is not allowed; applying with a reason and a proof-of-ownership photo; resuming an opted-out
 * house; my applications with their status and 撤销 until approved.
 */
const { openPage, text, texts, tap, flush } = require('../support/pages');
const { useServicesEnv } = require('../support/services-env');

const env = useServicesEnv();
const { setUp, input, opsOf, pickPhotos } = env;

describe('报停', () => {
  test('a heated house: the coming season, its deadline and the basic fee share', async () => {
    const page = await openPage('opt-out', { houseId: '11' });
    expect(opsOf('OptOutOptions')[0].variables).toEqual({ houseId: '11' });
    expect(text(page, '#heating-status')).toBe('正常供热');
    expect(text(page, '#season-3 .strong')).toBe('2027-2028 采暖季');
    expect(text(page, '#season-3 .small')).toBe('申请截止 2027-10-15 · 报停后收取 30% 基本热费');
    expect(text(page, '#season-3 .apply')).toBe('申请报停');
    expect(page.querySelector('#resume')).toBeUndefined();
  });

  test('apply with a reason and a proof of ownership; it appears under 我的申请 and can be withdrawn', async () => {
    const page = await openPage('opt-out', { houseId: '11' });
    await tap(page, '#season-3 .apply');
    expect(text(page, '#apply-form .card-title')).toBe('申请报停 · 2027-2028');
    await tap(page, '#submit');
    expect(text(page, '#error-reason')).toBe('请填写报停原因');
    expect(text(page, '#error-applicant-name')).toBe('请填写申请人姓名');
    expect(text(page, '#error-photo-ids')).toBe('请上传房产证或购房合同等产权证明照片');
    await input(page, '#reason', '房屋长期无人居住');
    await input(page, '#applicant-name', '王建国');
    await pickPhotos(page, [{ tempFilePath: 'wxfile://tmp/deed.jpg', size: 2000 }]);
    expect(env.api.uploads[0].formData).toEqual({ purpose: 'ownership' });
    await tap(page, '#submit');
    const sent = opsOf('ApplyOptOut')[0].variables.input;
    expect(sent).toMatchObject({ houseId: '11', seasonId: '3', kind: 'OPT_OUT', reason: '房屋长期无人居住', applicantName: '王建国', contactPhone: '' });
    expect(sent).not.toHaveProperty('effectiveDate');
    expect(sent.photoIds).toHaveLength(1);
    expect(env.wx.calls.toast).toContain('申请已提交');
    expect(page.querySelector('#apply-form')).toBeUndefined();
    const app = env.api.services.applications[0];
    expect(text(page, `#application-${app.id} .status`)).toBe('待审核');
    expect(text(page, `#application-${app.id} .strong`)).toBe('报停 · 2027-2028');
    expect(text(page, '#season-3 .not-allowed')).toBe('该采暖季已有申请。');
    expect(page.querySelectorAll(`#application-${app.id} .app-photo`).length).toBe(1);
    await tap(page, `#application-${app.id} .app-photo`);
    expect(env.wx.calls.preview[0].urls).toEqual([env.api.services.photos[app.photoIds[0]].url]);

    await tap(page, `#application-${app.id} .cancel`);
    expect(env.wx.calls.modal[0].content).toBe('确定撤销2027-2028的报停申请吗？');
    expect(opsOf('CancelOptOut')[0].variables).toEqual({ id: app.id });
    expect(text(page, `#application-${app.id} .status`)).toBe('已撤销');
    expect(page.querySelector(`#application-${app.id} .cancel`)).toBeUndefined();
  });

  test('past the deadline: no button, the server’s reason instead', async () => {
    env.api.services.optOut[11].options[0] = Object.assign({}, env.api.services.optOut[11].options[0],
      { canApply: false, reason: '已过申请截止日期（2027-10-15）。', reasonCode: 'DEADLINE_PASSED' });
    const page = await openPage('opt-out', { houseId: '11' });
    expect(page.querySelector('#season-3 .apply')).toBeUndefined();
    expect(text(page, '#season-3 .not-allowed')).toBe('已过申请截止日期（2027-10-15）。');
  });

  test('a refusal on submit: field errors under fields, the rest above the button', async () => {
    env.api.on('ApplyOptOut', () => ({ applyOptOut: { application: null, errors: [
      { field: 'contactPhone', message: '请输入有效的电话号码。', code: 'INVALID' },
      { field: null, message: '房屋尚有欠费，请先缴清。', code: 'HAS_ARREARS' }] } }));
    const page = await openPage('opt-out', { houseId: '11' });
    await tap(page, '#season-3 .apply');
    await input(page, '#reason', '出国');
    await input(page, '#applicant-name', '王建国');
    await input(page, '#contact-phone', '123456');
    await pickPhotos(page, [{ tempFilePath: 'wxfile://tmp/deed.jpg', size: 2000 }]);
    await tap(page, '#submit');
    expect(text(page, '#error-contact-phone')).toBe('请输入有效的电话号码。');
    expect(text(page, '#form-error')).toBe('房屋尚有欠费，请先缴清。');
    expect(page.querySelector('#apply-form')).toBeDefined();
  });

  test('two houses: nothing asked until one is chosen; switching asks for that house', async () => {
    const page = await openPage('opt-out');
    expect(opsOf('OptOutOptions')).toHaveLength(0);
    await tap(page, '#house-11');
    await tap(page, '#house-12');
    expect(opsOf('OptOutOptions').map((c) => c.variables.houseId)).toEqual(['11', '12']);
    expect(text(page, '#heating-status')).toBe('已报停');
  });
});

describe('恢复供暖', () => {
  test('an opted-out house resumes for the current season on a chosen day, without a photo', async () => {
    const page = await openPage('opt-out', { houseId: '12' });
    expect(text(page, '#season-3 .not-allowed')).toBe('房屋已报停。');
    await tap(page, '#resume-apply');
    expect(text(page, '#apply-form .card-title')).toBe('申请恢复供暖 · 2026-2027');
    await input(page, '#reason', '回家过冬');
    await input(page, '#applicant-name', '李淑芬');
    page.querySelector('#effective-date-picker').dispatchEvent('change', { detail: { value: '2026-12-20' } });
    await flush();
    expect(text(page, '#effective-date')).toBe('2026-12-20');
    await tap(page, '#submit');
    expect(opsOf('ApplyOptOut')[0].variables.input).toEqual({ houseId: '12', seasonId: '2', kind: 'RESUME', reason: '回家过冬',
      applicantName: '李淑芬', contactPhone: '', effectiveDate: '2026-12-20', photoIds: [] });
    expect(texts(page, '#applications .status')).toEqual(['待审核']);
    expect(page.querySelector('#resume')).toBeUndefined(); // a resumption is pending
  });

  test('my applications of every house, with review notes; approved ones cannot be withdrawn', async () => {
    env.api.services.applications.push({ id: '850', no: 'B2026000050', kind: 'OPT_OUT', house: { id: '12', accountNo: 'H10002', address: '幸福小区', heatingStatus: 'opted_out' },
      season: { id: '2', name: '2026-2027', heatingStart: '2026-11-15', heatingEnd: '2027-03-15' }, applicantName: '李淑芬', contactPhone: '',
      reason: '出租空置', effectiveDate: '2026-11-15', status: 'EFFECTIVE', reviewNote: '材料齐全', reviewedAt: '2026-10-01T02:00:00Z',
      sealNo: 'F-0012', sealedAt: '2026-10-05T02:00:00Z', effectiveAt: '2026-11-15T00:00:00Z', submittedAt: '2026-09-20T02:00:00Z', adjustmentFen: 0 });
    const page = await openPage('opt-out', { houseId: '11' });
    expect(text(page, '#application-850 .status')).toBe('已生效');
    expect(text(page, '#application-850')).toContain('封签号 F-0012');
    expect(text(page, '#application-850')).toContain('审核意见：材料齐全');
    expect(page.querySelector('#application-850 .cancel')).toBeUndefined();
  });

  test('no house bound invites binding one; a failed load offers a retry', async () => {
    setUp({ bound: [] });
    const none = await openPage('opt-out');
    expect(text(none, '#state-no-house .state-title')).toBe('还没有绑定房屋');
    setUp();
    env.api.on('MyOptOutApplications', () => { throw { errMsg: 'request:fail ECONNREFUSED' }; });
    const failed = await openPage('opt-out');
    expect(text(failed, '#state-error .late')).toBe('网络不给力，请检查网络后重试');
    env.api.off('MyOptOutApplications');
    await failed.instance.onRetry();
    expect(text(failed, '#no-applications')).toBe('暂无申请记录');
  });
});
