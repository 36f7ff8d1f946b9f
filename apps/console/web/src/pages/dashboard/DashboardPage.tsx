export default function DashboardPage() {
  return <div data-testid="dashboard">dashboard</div>;
}
