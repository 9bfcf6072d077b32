package id.verivali.app

import android.app.Activity
import android.content.Intent
import android.os.Bundle
import android.view.View
import android.widget.AdapterView
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.ListView
import android.widget.Spinner
import android.widget.TextView
import id.verivali.shell.DeviceSettings
import id.verivali.shell.Team
import id.verivali.shell.TeamLine

/**
 * The team's interviews on a pengawas's phone (issue 18), as bundles or the server brought them:
 * enumerator, household, status, review state and the sample's reasons; filtered by state, what
 * waits first (see [Team.lines]). With signal, a button fetches those the server took (the upload
 * job also does, now and then). Tapping one opens its review.
 */
class TeamListActivity : Activity() {
    private var lines: List<TeamLine> = emptyList()
    /** Draws the list again for the state chosen; set once the screen is made. */
    private var refresh: () -> Unit = {}

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = Team.TITLE
        val app = VerivaliApp.of(this)
        val column = Views.column(this)
        val filter = Spinner(this)
        filter.adapter = ArrayAdapter(this, android.R.layout.simple_spinner_item, Team.FILTERS.map(Team::filterLabel))
        val empty = Views.text(this, "", 14f)
        val list = ListView(this)
        val adapter = ArrayAdapter<String>(this, android.R.layout.simple_list_item_1, ArrayList())
        list.adapter = adapter
        refresh = {
            val wanted = Team.FILTERS.getOrNull(filter.selectedItemPosition)
            app.executor.run({ app.core.teamInterviews() }) { result ->
                lines = Team.lines(result.getOrDefault(emptyList()), wanted)
                adapter.clear()
                adapter.addAll(lines.map { it.text })
                empty.text = result.exceptionOrNull()?.let(Team::message) ?: if (lines.isEmpty()) Team.NONE_HERE else ""
                empty.visibility = if (empty.text.isEmpty()) View.GONE else View.VISIBLE
            }
        }
        filter.onItemSelectedListener = object : AdapterView.OnItemSelectedListener {
            override fun onItemSelected(parent: AdapterView<*>?, view: View?, position: Int, id: Long) = refresh()
            override fun onNothingSelected(parent: AdapterView<*>?) {}
        }
        list.setOnItemClickListener { _, _, position, _ ->
            startActivity(
                Intent(this, TeamInterviewActivity::class.java)
                    .putExtra(TeamInterviewActivity.INSTANCE, lines[position].instanceId),
            )
        }
        column.addView(filter)
        val settings = app.settings()
        if (settings != null && Team.offered(settings)) {
            val said = Views.text(this, "", 14f).apply { visibility = View.GONE }
            val fetch = Button(this).apply { text = Team.FETCH }
            fetch.setOnClickListener { fetch(settings, fetch, said) }
            column.addView(fetch)
            column.addView(said)
        }
        column.addView(Views.button(this, Team.BUNDLES) { startActivity(Intent(this, BundleActivity::class.java)) })
        column.addView(empty)
        column.addView(list)
        setContentView(column)
    }

    /**
     * Fetches the team's interviews the server took since the last fetch, says what came (or the
     * core's refusal, a token that is not a pengawas's, say), and draws the list again. The
     * button waits meanwhile, so that one tap fetches once.
     */
    private fun fetch(settings: DeviceSettings, button: Button, said: TextView) {
        val app = VerivaliApp.of(this)
        button.isEnabled = false
        said.text = Team.FETCHING
        said.visibility = View.VISIBLE
        app.executor.run({ app.core.fetchTeamInterviews(settings.serverUrl, settings.token) }) { result ->
            button.isEnabled = true
            said.text = result.fold(Team::fetched, Team::message)
            refresh()
        }
    }

    /** Back from a review (or an import), the list shows where each interview stands now. */
    override fun onResume() {
        super.onResume()
        refresh()
    }
}
